/**
 * The longest side of a poster, in pixels: a video up to 1080p keeps its own size (the relay takes
 * it as the video's when the uploader gave none) and scales it down for the thumbnail.
 */
const MAX_SIDE = 1920;
/** A video the browser cannot open within this gets no poster. */
const TIMEOUT_MS = 10_000;

/**
 * A JPEG still of a video, drawn from a `<video>` element onto a canvas: at one second, or the
 * middle of a shorter video, or its first frame when its length is unknown. Null where there is
 * no DOM (Node) or when the browser cannot decode the video in time.
 */
export async function videoPoster(video: Blob): Promise<Blob | null> {
  if (typeof document === 'undefined' || typeof URL.createObjectURL !== 'function') return null;
  const element = document.createElement('video');
  element.muted = true;
  element.playsInline = true;
  element.preload = 'auto';
  const url = URL.createObjectURL(video);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), TIMEOUT_MS);
  });
  try {
    return await Promise.race([timeout, draw(element, url)]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
    element.removeAttribute('src');
    element.load();
    URL.revokeObjectURL(url);
  }
}

async function draw(element: HTMLVideoElement, url: string): Promise<Blob | null> {
  const loaded = once(element, 'loadeddata');
  element.src = url;
  await loaded;
  const { duration } = element;
  if (Number.isFinite(duration) && duration > 0) {
    const seeked = once(element, 'seeked');
    element.currentTime = Math.min(1, duration / 2);
    await seeked;
  }
  const scale = Math.min(1, MAX_SIDE / Math.max(element.videoWidth, element.videoHeight));
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(element.videoWidth * scale);
  canvas.height = Math.round(element.videoHeight * scale);
  const context = canvas.getContext('2d');
  if (!context || canvas.width === 0 || canvas.height === 0) return null;
  context.drawImage(element, 0, 0, canvas.width, canvas.height);
  return new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.8));
}

/** Resolves on the element's event; rejects when it fails to load. */
function once(element: HTMLVideoElement, event: string): Promise<void> {
  return new Promise((resolve, reject) => {
    element.addEventListener(event, () => resolve(), { once: true });
    element.addEventListener('error', () => reject(element.error), { once: true });
  });
}
