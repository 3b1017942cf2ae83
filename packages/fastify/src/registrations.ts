import type { FastifyInstance } from 'fastify';

// Symbol.for: the ESM and CommonJS builds are separate module copies, and one app can load both
// (one through `import`, another plugin through `require`); a shared key lets each see the other's.
const REGISTRATIONS = Symbol.for('@growth-channel/fastify.registrations');

/** Where an existing registration sits relative to a new one. */
export type RegistrationConflict = 'this' | 'parent' | 'child';

type Holder = { [REGISTRATIONS]?: Set<FastifyInstance> };

// `app.server` is the one object every context of an app shares (children inherit it), so it can
// hold the contexts that registered the plugin, including children a parent cannot otherwise see.
function registrations(app: FastifyInstance): Set<FastifyInstance> {
  const holder = app.server as unknown as Holder;
  let set = holder[REGISTRATIONS];
  if (set === undefined) {
    set = new Set();
    Object.defineProperty(holder, REGISTRATIONS, { value: set, configurable: true });
  }
  return set;
}

/**
 * Finds a registration whose routes would overlap `app`'s: in `app` itself, a parent, or a child.
 * Fastify creates a child context with `Object.create(parent)`, so the prototype chain is the tree;
 * siblings are unrelated and may each have the plugin.
 */
export function findConflict(app: FastifyInstance): RegistrationConflict | undefined {
  for (const registered of registrations(app)) {
    if (registered === app) return 'this';
    if (Object.prototype.isPrototypeOf.call(registered, app)) return 'parent';
    if (Object.prototype.isPrototypeOf.call(app, registered)) return 'child';
  }
  return undefined;
}

/** Records that `app` has the plugin. */
export function addRegistration(app: FastifyInstance): void {
  registrations(app).add(app);
}
