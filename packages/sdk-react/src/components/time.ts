/** Times as a chat shows them, in the reader's locale and time zone. */
const clock = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const weekday = new Intl.DateTimeFormat(undefined, { weekday: 'long' });
const shortDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short' });
const fullDate = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'long', year: 'numeric' });

const DAY = 86_400_000;

function startOfDay(time: number): number {
  const date = new Date(time);
  date.setHours(0, 0, 0, 0);
  return date.getTime();
}

/** "14:05": a message's time. */
export function timeOf(iso: string): string {
  return clock.format(new Date(iso));
}

/** Whether two times fall on the same local day. */
export function sameDay(a: string, b: string): boolean {
  return startOfDay(Date.parse(a)) === startOfDay(Date.parse(b));
}

/** "Today", "Yesterday", "Monday" within the week, else "3 December 2026": a day separator's label. */
export function dayOf(iso: string, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(Date.parse(iso))) / DAY);
  if (days === 0) return 'Today';
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekday.format(new Date(iso));
  return fullDate.format(new Date(iso));
}

/** "14:05" today, "Yesterday", "Mon" within the week, else "3 Dec": a conversation's last activity in a list. */
export function whenOf(iso: string, now = Date.now()): string {
  const days = Math.round((startOfDay(now) - startOfDay(Date.parse(iso))) / DAY);
  if (days === 0) return timeOf(iso);
  if (days === 1) return 'Yesterday';
  if (days > 1 && days < 7) return weekday.format(new Date(iso)).slice(0, 3);
  return shortDate.format(new Date(iso));
}
