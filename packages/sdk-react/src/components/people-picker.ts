import type { User } from '@chat4all/sdk-js';
import { createElement as h, type KeyboardEvent, useId, useState } from 'react';
import { useUserSearch } from '../hooks.js';
import { Avatar } from './avatar.js';

export interface PeoplePickerProps {
  /** Called with the person chosen (click, or Enter on the highlighted one). */
  onPick(user: User): void;
  /** Ids left out of the results: the user themself, people already picked. */
  exclude?: readonly string[];
  /** @default 'Search people' */
  label?: string;
  /** List everyone before anything is typed. @default true */
  listAll?: boolean;
  autoFocus?: boolean;
  className?: string;
}

/**
 * Finds people in the app's user directory by name as the user types (a combobox: arrow keys
 * move through the results, Enter picks, Escape clears), each shown with their avatar.
 */
export function PeoplePicker({
  onPick,
  exclude = [],
  label = 'Search people',
  listAll = true,
  autoFocus,
  className = 'c4a-people',
}: PeoplePickerProps) {
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const { users, loading, error } = useUserSearch(query, { includeEmpty: listAll });
  const shown = users.filter((user) => !exclude.includes(user.id));
  const listId = useId();
  const optionId = (index: number) => `${listId}-${index}`;
  const current = Math.min(active, shown.length - 1);
  const pick = (user: User | undefined) => {
    if (!user) return;
    onPick(user);
    setQuery('');
    setActive(0);
  };
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
      event.preventDefault();
      const step = event.key === 'ArrowDown' ? 1 : -1;
      setActive((shown.length + current + step) % Math.max(1, shown.length));
    } else if (event.key === 'Enter') {
      event.preventDefault();
      pick(shown[current]);
    } else if (event.key === 'Escape' && query !== '') {
      // Clears the search only: a dialog around the picker stays open.
      event.preventDefault();
      event.stopPropagation();
      setQuery('');
    }
  };
  return h(
    'div',
    { className },
    h('input', {
      type: 'search',
      role: 'combobox',
      'aria-label': label,
      placeholder: label,
      'aria-expanded': shown.length > 0,
      'aria-controls': listId,
      'aria-activedescendant': shown.length > 0 ? optionId(current) : undefined,
      'aria-autocomplete': 'list',
      autoFocus,
      value: query,
      onChange: (event: { target: { value: string } }) => {
        setQuery(event.target.value);
        setActive(0);
      },
      onKeyDown,
    }),
    h(
      'ul',
      { id: listId, role: 'listbox', 'aria-label': 'People', 'aria-busy': loading },
      shown.map((user, index) =>
        h(
          'li',
          {
            key: user.id,
            id: optionId(index),
            role: 'option',
            'aria-selected': index === current,
            onMouseDown: (event: { preventDefault(): void }) => event.preventDefault(),
            onClick: () => pick(user),
          },
          h(Avatar, { userId: user.id, name: user.displayName || user.id, src: user.avatarUrl, size: 32, decorative: true }),
          h('span', { className: 'c4a-person-name' }, user.displayName || user.id),
        ),
      ),
    ),
    !loading && shown.length === 0 && (query.trim() !== '' || listAll)
      ? h('p', { className: 'c4a-people-empty', role: 'status' }, error ? 'Could not search people' : 'Nobody found')
      : null,
  );
}
