import type { AuthSession } from '@chat4all/protocol';

/** The relay this app talks to. Set VITE_CHAT4ALL_URL to point elsewhere. */
export const RELAY_URL: string = import.meta.env.VITE_CHAT4ALL_URL ?? 'http://127.0.0.1:8080';

const KEY = 'chat4all-example-session';

/** Signs in with the relay's built-in accounts, or creates one (with the name others see). */
export async function signIn(mode: 'sign-in' | 'register', username: string, password: string, displayName?: string): Promise<AuthSession> {
  const response = await fetch(`${RELAY_URL}/v1/auth/${mode === 'sign-in' ? 'login' : 'register'}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(mode === 'register' && displayName ? { username, password, displayName } : { username, password }),
  });
  if (!response.ok) {
    const { code, message } = (await response.json()) as { code: string; message: string };
    throw new Error(
      code === 'INVALID_CREDENTIALS' ? 'Wrong username or password' : code === 'USERNAME_TAKEN' ? 'That username is taken' : message,
    );
  }
  const session = (await response.json()) as AuthSession;
  localStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function savedSession(): AuthSession | null {
  const text = localStorage.getItem(KEY);
  return text ? (JSON.parse(text) as AuthSession) : null;
}

export function signOut(): void {
  localStorage.removeItem(KEY);
}

/** A fresh access token: the saved one while valid, else one from the refresh token (which rotates). */
export async function accessToken(): Promise<string> {
  const session = savedSession();
  if (!session) throw new Error('Not signed in');
  if (Date.parse(session.accessTokenExpiresAt) - Date.now() > 60_000) return session.accessToken;
  const response = await fetch(`${RELAY_URL}/v1/auth/refresh`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ refreshToken: session.refreshToken }),
  });
  if (!response.ok) {
    signOut();
    throw new Error('Session expired; sign in again');
  }
  const next = (await response.json()) as AuthSession;
  localStorage.setItem(KEY, JSON.stringify(next));
  return next.accessToken;
}
