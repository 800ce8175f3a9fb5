/**
 * The dashboard under `/ui` (DESIGN §8): server-rendered pages over the same
 * stores and matrix keeper the REST API uses, signed in with the same tokens.
 * Assets and the login page need no session; everything else does. All but
 * the assets answer 503 while the engine and its schema are not ready (the
 * sessions live there). Every form is small, so a body over UI_BODY_LIMIT is
 * refused (413) while it streams, before anything parses it or asks who sent it.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { trimTrailingSlash } from 'hono/trailing-slash';
import type { Authenticator } from '../auth.ts';
import type { ApiDeps } from '../rest/deps.ts';
import { Sessions } from '../sessions.ts';
import { assetRoutes } from './assets.ts';
import { flowsRoutes } from './flows.ts';
import { iseRoutes } from './ise.ts';
import { errorPage } from './layout.ts';
import { matrixRoutes } from './matrix.ts';
import { overviewRoutes } from './overview.ts';
import { proposalsRoutes } from './proposals.ts';
import { requireSession, sessionRoutes, type UiEnv } from './session.ts';
import { sgtsRoutes } from './sgts.ts';
import { uploadRoutes } from './upload.ts';
import { versionsRoutes } from './versions.ts';

/** The largest body a dashboard form may send (a sign-in token is at most 8 KiB of it). */
export const UI_BODY_LIMIT = 16 * 1024;

export function uiRoutes(deps: ApiDeps, auth: Authenticator, ready: () => boolean = () => true): Hono<UiEnv> {
  const ui = new Hono<UiEnv>();
  // First of all: hono's bodyLimit counts the bytes of a streamed (chunked) body too, and stops reading past the limit.
  ui.use(
    '*',
    bodyLimit({
      maxSize: UI_BODY_LIMIT,
      onError: (c) => errorPage(c, 413, 'Payload too large', `A form sends at most ${UI_BODY_LIMIT} bytes.`),
    }),
  );
  ui.use('*', trimTrailingSlash());
  const sessions = new Sessions({ engine: deps.engine, ns: deps.ns, auth });
  ui.route('/', assetRoutes());
  // Before sign-in too: sessions live in the engine's KV.
  ui.use('*', async (c, next) => {
    if (ready()) return next();
    const res = await errorPage(
      c,
      503,
      'Starting',
      'The engine and its schema are not ready yet; reload shortly.',
    );
    res.headers.set('retry-after', '5');
    return res;
  });
  ui.route('/', sessionRoutes(auth, sessions));
  ui.use('*', requireSession(auth, sessions));
  ui.route('/', overviewRoutes(deps));
  ui.route('/matrix', matrixRoutes(deps));
  ui.route('/proposals', proposalsRoutes(deps));
  ui.route('/versions', versionsRoutes(deps));
  ui.route('/ise', iseRoutes(deps));
  ui.route('/sgts', sgtsRoutes(deps));
  ui.route('/upload', uploadRoutes(deps));
  ui.route('/flows', flowsRoutes(deps));
  ui.all('*', (c) => errorPage(c, 404, 'Not found', 'No such page.', c.get('principal')));
  return ui;
}
