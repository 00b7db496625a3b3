import { CHANNEL_CAPABILITIES } from '@chat4all/protocol';

/** Media Cloud API accepts by link, by kind (Cloud API, "Supported media types"). */
export const WHATSAPP_MEDIA_LIMITS = CHANNEL_CAPABILITIES.whatsapp.fileMaxBytes;

/**
 * The types the Cloud API takes for each kind ("Supported media types"): JPEG and PNG images,
 * MP4 and 3GPP video, AAC, AMR, MP3, M4A and OGG (Opus) audio. Any other file, an image of
 * another type included, goes as a document, which takes any type.
 */
const WHATSAPP_MEDIA_TYPES = {
  image: ['image/jpeg', 'image/png'],
  video: ['video/mp4', 'video/3gpp'],
  audio: ['audio/aac', 'audio/amr', 'audio/mpeg', 'audio/mp4', 'audio/ogg'],
} as const;

export function whatsappMediaKind(type: string): keyof typeof WHATSAPP_MEDIA_LIMITS {
  const media = type.split(';')[0]?.trim().toLowerCase() ?? '';
  for (const kind of ['image', 'video', 'audio'] as const)
    if ((WHATSAPP_MEDIA_TYPES[kind] as readonly string[]).includes(media)) return kind;
  return 'document';
}
