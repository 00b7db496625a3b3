import { createClient } from '../../src/index.js';

// The page under test: a client that sends a video the browser records itself, as an app would send a picked file.
const params = new URLSearchParams(location.search);
const client = createClient({ url: params.get('relay') ?? '', token: params.get('token') ?? '' });
void client.connect().catch(() => {});

/** About a second and a half of a red 320×240 canvas, recorded by the browser as WebM. */
async function recordVideo(): Promise<Blob> {
  const canvas = document.createElement('canvas');
  canvas.width = 320;
  canvas.height = 240;
  const context = canvas.getContext('2d') as CanvasRenderingContext2D;
  const recorder = new MediaRecorder(canvas.captureStream(30), { mimeType: 'video/webm' });
  const chunks: Blob[] = [];
  recorder.ondataavailable = (event) => chunks.push(event.data);
  const stopped = new Promise((resolve) => {
    recorder.onstop = resolve;
  });
  recorder.start(100);
  const started = performance.now();
  await new Promise<void>((resolve) => {
    const paint = () => {
      context.fillStyle = '#d02020';
      context.fillRect(0, 0, canvas.width, canvas.height);
      if (performance.now() - started < 1500) setTimeout(paint, 30);
      else resolve();
    };
    paint();
  });
  recorder.stop();
  await stopped;
  return new Blob(chunks, { type: 'video/webm' });
}

Object.assign(window, {
  chat: {
    state: () => client.connection.getSnapshot(),
    sendVideo: async (conversationId: string) => {
      const file = new File([await recordVideo()], 'clip.webm', { type: 'video/webm' });
      return (await client.sendFile(conversationId, file)).id;
    },
  },
});
