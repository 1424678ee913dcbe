import { html } from 'hono/html';
import type { Html } from './format.js';

export type Section = 'attention' | 'cash-outs' | 'events' | 'records' | 'close' | 'limits';

/** What every page shows: who is acting, on what, and the token its forms carry. */
export interface PageContext {
  who: string;
  where: string;
  token: string;
}

const SECTIONS: { id: Section; path: string; label: string }[] = [
  { id: 'attention', path: '/', label: 'Attention' },
  { id: 'cash-outs', path: '/cash-outs', label: 'Cash-outs' },
  { id: 'events', path: '/events', label: 'Events' },
  { id: 'records', path: '/records', label: 'Records' },
  { id: 'close', path: '/close', label: 'Close' },
  { id: 'limits', path: '/limits', label: 'Limits' },
];

export function layout(context: PageContext, page: { title: string; section?: Section }, body: Html | (Html | string)[]): Html {
  return html`<!doctype html>
<html lang="en" data-theme="light">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${page.title} · Gateway console</title>
<link rel="stylesheet" href="/assets/console.css">
<script src="/assets/console.js" defer></script>
</head>
<body>
<header class="container-fluid">
<nav>
<ul><li><a href="/" class="brand"><strong>Payments gateway</strong> · operator console</a></li></ul>
<ul>${SECTIONS.map((section) => html`<li><a href="${section.path}"${section.id === page.section ? html` aria-current="page"` : ''}>${section.label}</a></li>`)}</ul>
</nav>
<p class="identity">Acting as <strong data-who>${context.who}</strong> on ${context.where}</p>
</header>
<main class="container-fluid">
${body}
</main>
<footer class="container-fluid"><small>Listening on loopback only. Every action is recorded with who, when and the note. Times are UTC.</small></footer>
</body>
</html>`;
}

/** The hidden field every action form carries: the console's per-process token. */
export const tokenField = (context: PageContext) => html`<input type="hidden" name="token" value="${context.token}">`;

export function messagePage(context: PageContext, status: number, title: string, message: string): Html {
  return layout(
    context,
    { title },
    html`<article class="message"><h1>${title}</h1><p>${message}</p><p><a href="/">Back to the attention queue</a></p><small>HTTP ${status}</small></article>`,
  );
}
