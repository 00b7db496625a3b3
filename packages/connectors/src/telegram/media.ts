/** How files go to Telegram: by URL or uploaded, by which method, within which limits (Bot API, "Sending files"). */

/** Telegram's limits for files it downloads from a URL (Bot API, "Sending files"). */
export const TELEGRAM_URL_LIMITS = { photo: 5 * 1024 * 1024, document: 20 * 1024 * 1024 };
/** Telegram's limits for files uploaded with multipart/form-data. */
export const TELEGRAM_UPLOAD_LIMITS = { photo: 10 * 1024 * 1024, document: 50 * 1024 * 1024 };

/** Types Telegram takes by URL in `sendDocument` ("Sending files": "currently only work for GIF, PDF and ZIP files"). */
const DOCUMENT_BY_URL = new Set(['image/gif', 'application/pdf', 'application/zip', 'application/x-zip-compressed']);

/**
 * How a file goes to Telegram: photos (JPEG, PNG, WebP) with `sendPhoto`, MP4 video with
 * `sendVideo`, MP3 and M4A with `sendAudio`, OGG (Opus) voice notes with `sendVoice`, anything
 * else (and a photo over its limit) with `sendDocument`.
 */
export function telegramFileKind(type: string, size: number) {
  const media = type.split(';')[0]?.trim().toLowerCase() ?? '';
  const upload = TELEGRAM_UPLOAD_LIMITS.document;
  if (['image/jpeg', 'image/png', 'image/webp'].includes(media) && size <= TELEGRAM_UPLOAD_LIMITS.photo)
    return { method: 'sendPhoto', field: 'photo', urlOk: size <= TELEGRAM_URL_LIMITS.photo, uploadLimit: TELEGRAM_UPLOAD_LIMITS.photo };
  if (media === 'video/mp4') return { method: 'sendVideo', field: 'video', urlOk: false, uploadLimit: upload };
  if (['audio/mpeg', 'audio/mp3', 'audio/mp4', 'audio/m4a', 'audio/x-m4a'].includes(media))
    return { method: 'sendAudio', field: 'audio', urlOk: false, uploadLimit: upload };
  if (media === 'audio/ogg' || media === 'audio/opus') return { method: 'sendVoice', field: 'voice', urlOk: false, uploadLimit: upload };
  return { method: 'sendDocument', field: 'document', urlOk: DOCUMENT_BY_URL.has(media), uploadLimit: upload };
}
