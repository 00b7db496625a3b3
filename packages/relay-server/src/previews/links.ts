import LinkifyIt from 'linkify-it';

/** Only links written with their scheme: `example.com` in prose is not fetched. */
const linkify = new LinkifyIt({ fuzzyLink: false, fuzzyEmail: false, fuzzyIP: false });

/**
 * The first `max` distinct http(s) links in `text`, in the order they appear, each as written
 * (so a preview's `url` is found in the text it belongs to).
 */
export function linksIn(text: string, max: number): string[] {
  const links = new Set<string>();
  for (const match of linkify.match(text) ?? []) {
    if (links.size >= max) break;
    if (isHttp(match.raw)) links.add(match.raw);
  }
  return [...links];
}

function isHttp(link: string): boolean {
  try {
    const { protocol } = new URL(link);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
