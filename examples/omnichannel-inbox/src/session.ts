/** The development back end (inbox.mjs): a token for the agent, customers writing in, contacts and channel health. */
export const SIMULATOR: string = import.meta.env.VITE_INBOX_SIMULATOR ?? 'http://127.0.0.1:8091';

/** An agent of the team: a user who is a member of every channel's conversations. */
export interface Agent {
  id: string;
  displayName: string;
}

let agentToken = '';

/** The signed-in agent's token, which the back end checks before it shows them a contact. */
export function setAgentToken(token: string): void {
  agentToken = token;
}

/** Calls the back end as the signed-in agent; the relay's API key stays there. */
export async function backEnd<T>(path: string, body?: unknown): Promise<T> {
  const response = await fetch(`${SIMULATOR}${path}`, {
    method: body === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${agentToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!response.ok) throw new Error(`${path}: ${response.status}`);
  return (await response.json()) as T;
}
