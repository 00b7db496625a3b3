import type { LinkPreview } from '@chat4all/sdk-js';
import { createElement as h } from 'react';

export interface LinkPreviewsProps {
  previews: readonly LinkPreview[];
  className?: string;
}

/** The link's host, as a card names the site when the page gave no name. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/**
 * A message's link previews, one card each (image, site, title, description) opening the link
 * in a new tab. Everything on a card came from a page anyone can write: it is rendered as
 * text, and the image is loaded from its own site without a referrer, so that site learns
 * neither the app's address nor the conversation's. Only http(s) links and https images show.
 */
export function LinkPreviews({ previews, className = 'c4a-link-previews' }: LinkPreviewsProps) {
  const shown = previews.filter((preview) => /^https?:\/\//i.test(preview.url));
  if (shown.length === 0) return null;
  return h(
    'div',
    { className },
    shown.map((preview) =>
      h(
        'a',
        {
          key: preview.url,
          className: 'c4a-link-preview',
          href: preview.url,
          target: '_blank',
          rel: 'noopener noreferrer nofollow ugc',
          referrerPolicy: 'no-referrer',
        },
        preview.imageUrl?.startsWith('https://')
          ? h('img', {
              className: 'c4a-link-preview-image',
              src: preview.imageUrl,
              alt: '',
              loading: 'lazy',
              referrerPolicy: 'no-referrer',
              style: { maxWidth: '100%', maxHeight: '160px', objectFit: 'cover' },
            })
          : null,
        h('span', { className: 'c4a-link-preview-site' }, preview.siteName ?? hostOf(preview.url)),
        preview.title ? h('strong', { className: 'c4a-link-preview-title' }, preview.title) : null,
        preview.description ? h('span', { className: 'c4a-link-preview-description' }, preview.description) : null,
      ),
    ),
  );
}
