import { type FormEvent, useEffect, useState } from 'react';
import { CHANNELS } from './channels';
import { CloseIcon } from './icons';
import { backEnd } from './session';

interface ChannelHealth {
  id: string;
  type: string;
  status: 'active' | 'held';
  hold: { code: string; message: string } | null;
}

/** Each channel account's health, as the operator sees it; a held one can be resumed once its credentials are fixed. */
export function Health() {
  const [channels, setChannels] = useState<ChannelHealth[]>([]);
  useEffect(() => {
    let live = true;
    const load = () =>
      backEnd<{ channels: ChannelHealth[] }>('/channels')
        .then((body) => live && setChannels(body.channels))
        .catch(() => {});
    load();
    const timer = setInterval(load, 1000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  return (
    <section className="health" aria-label="Channel health">
      <h3>Channels</h3>
      <ul>
        {channels.map((c) => (
          <li key={c.id} data-status={c.status} data-channel={c.type}>
            <span className="dot" aria-hidden="true" />
            <span>{CHANNELS[c.type] ?? c.type}</span>
            {c.status === 'held' ? (
              <>
                <span className="held" title={c.hold?.message}>
                  held: {c.hold?.code}
                </span>
                <button type="button" className="link" onClick={() => void backEnd(`/channels/${c.id}/resume`, {})}>
                  Resume
                </button>
              </>
            ) : (
              <span className="c4a-visually-hidden">active</span>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

/**
 * The development back end's controls, in a side panel: make a customer write in on a channel (text, a place, a button
 * choice, a photo, a reaction), bring the Instagram customer into the WhatsApp conversation, expire and fix the
 * WhatsApp token. Not part of an agent's inbox against real platforms.
 */
export function DevTools({ onClose }: { onClose: () => void }) {
  const [channel, setChannel] = useState('whatsapp');
  const [kind, setKind] = useState('text');
  const [text, setText] = useState('Olá! Meu pedido ainda não chegou.');
  const [state, setState] = useState('');
  const run = async (what: string, path: string, body: unknown, done: string) => {
    setState(`${what}…`);
    try {
      await backEnd(path, body);
      setState(done);
    } catch (failure) {
      setState(`failed: ${(failure as Error).message}`);
    }
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void run('sending', '/simulate', { channel, text, kind: channel === 'whatsapp' ? kind : 'text' }, 'sent');
  };
  return (
    <aside className="dev-tools" aria-label="Developer tools">
      <header>
        <strong>Simulate a customer</strong>
        <button type="button" className="icon" aria-label="Close developer tools" onClick={onClose}>
          <CloseIcon />
        </button>
      </header>
      <form onSubmit={submit}>
        <label>
          <span>Channel</span>
          <select value={channel} onChange={(e) => setChannel(e.target.value)}>
            <option value="whatsapp">WhatsApp (Maria Silva)</option>
            <option value="messenger">Messenger (Lucas Pereira)</option>
            <option value="instagram">Instagram (Ana Souza)</option>
            <option value="telegram">Telegram (Rui)</option>
            <option value="loopback">Loopback (Alice Martins)</option>
          </select>
        </label>
        <label>
          <span>Kind</span>
          <select
            value={channel === 'whatsapp' ? kind : 'text'}
            onChange={(e) => setKind(e.target.value)}
            disabled={channel !== 'whatsapp'}
          >
            <option value="text">Text</option>
            <option value="location">A place</option>
            <option value="choice">A button reply</option>
            <option value="photo">A photo (the text is its caption)</option>
            <option value="reaction">A reaction to your last answer</option>
          </select>
        </label>
        <label>
          <span>Customer message</span>
          <textarea rows={3} value={text} onChange={(e) => setText(e.target.value)} />
        </label>
        <button type="submit" className="primary">
          Customer writes
        </button>
      </form>
      <div className="dev-actions">
        <button
          type="button"
          className="secondary"
          onClick={() => void run('bridging', '/bridge', {}, 'one conversation across WhatsApp and Instagram')}
        >
          Bring the Instagram customer into the WhatsApp conversation
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => void run('expiring', '/whatsapp-token', { valid: false }, 'token expired')}
        >
          Expire WhatsApp token
        </button>
        <button type="button" className="secondary" onClick={() => void run('fixing', '/whatsapp-token', { valid: true }, 'token fixed')}>
          Fix WhatsApp token
        </button>
      </div>
      <p className="dev-state" aria-live="polite">
        {state}
      </p>
    </aside>
  );
}
