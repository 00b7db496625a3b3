import { useEffect, useState } from 'react';

/** `auto` follows the system's light or dark preference. */
export type Theme = 'auto' | 'light' | 'dark';

const KEY = 'chat4all-inbox-theme';
const ORDER: readonly Theme[] = ['auto', 'light', 'dark'];

export function nextTheme(theme: Theme): Theme {
  return ORDER[(ORDER.indexOf(theme) + 1) % ORDER.length] as Theme;
}

/** The theme the user chose (kept in localStorage), applied as `data-c4a-theme` on `<html>`: the sdk-react theme reads it. */
export function useTheme(): [Theme, (theme: Theme) => void] {
  const [theme, setTheme] = useState<Theme>(() => {
    const saved = localStorage.getItem(KEY);
    return saved === 'light' || saved === 'dark' ? saved : 'auto';
  });
  useEffect(() => {
    const root = document.documentElement;
    if (theme === 'auto') delete root.dataset.c4aTheme;
    else root.dataset.c4aTheme = theme;
    localStorage.setItem(KEY, theme);
  }, [theme]);
  return [theme, setTheme];
}
