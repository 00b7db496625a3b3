import { jsonProblem, mayBreakTextRules } from '@chat4all/protocol';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import secureJson from 'secure-json-parse';
import { badText, RelayError } from '../errors.js';

/**
 * JSON request bodies: parsed with `__proto__` and `constructor.prototype` keys refused (no
 * prototype pollution), then held to the rules of every text field (no U+0000, no lone
 * surrogate, at most `MAX_JSON_DEPTH` levels), so whatever a store accepts is exactly what
 * was sent; path parameters and query strings too. Each refusal is a BAD_REQUEST naming the place.
 */
export const jsonBodies = fp(
  async (app: FastifyInstance) => {
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      const text = typeof body === 'string' ? body : body.toString('utf8');
      // No body at all: the route's schema says whether it needs one (most do; some take none).
      if (text.trim() === '') return done(null, undefined);
      let value: unknown;
      try {
        value = secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
      } catch (error) {
        const message =
          error instanceof SyntaxError && /prototype/i.test(error.message) ? 'has a forbidden prototype property' : 'is not valid JSON';
        return done(new RelayError('BAD_REQUEST', `The body ${message}`, { cause: error }));
      }
      const problem = mayBreakTextRules(text) ? jsonProblem(value) : null;
      if (problem) return done(badText(problem));
      done(null, value);
    });
    // Path and query strings reach the store too (cursors, ids): the same rules.
    app.addHook('preValidation', async (request) => {
      const problem = jsonProblem({ params: request.params, query: request.query });
      if (problem) throw badText(problem);
    });
  },
  { name: 'chat4all-json-bodies' },
);
