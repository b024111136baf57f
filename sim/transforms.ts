/**
 * The `transforms` resource option and `pulumi.runtime.registerResourceTransform`, in the simulation.
 *
 * In a real `pulumi up` the ENGINE calls transforms back over gRPC (the SDK refuses them unless the
 * CLI advertises `supportsTransforms` and a callback server exists); Pulumi's mock monitor has
 * neither, so a program using them fails with "The Pulumi CLI does not support transforms". The
 * simulation applies them itself, in the SDK, just before a resource registers, in the engine's
 * order: the resource's own transforms, then each ancestor's, then the stack's
 * (https://www.pulumi.com/docs/iac/concepts/options/transforms/ — "transforms are applied to the
 * resource and all of its children", stack transforms via registerResourceTransform). Each gets
 * `{ type, name, custom, props, opts }` and returns `{ props, opts }` or undefined (no change).
 */
import type * as pulumi from "@pulumi/pulumi";

type Transform = pulumi.ResourceTransform;
type Props = Record<string, unknown>;
type Opts = pulumi.ResourceOptions & { transforms?: Transform[]; parent?: pulumi.Resource };

type RegisterResource = (
  res: pulumi.Resource,
  parent: pulumi.Resource | undefined,
  t: string,
  name: string,
  custom: boolean,
  remote: boolean,
  newDependency: unknown,
  props: Props,
  opts: Opts,
  ...rest: unknown[]
) => void;

const state = {
  installed: false,
  stack: [] as Transform[],
  own: new WeakMap<object, Transform[]>(),
};

/** Forgets the stack transforms of a previous evaluation (a new `pulumi up`). */
export function resetTransforms(): void {
  state.stack = [];
  state.own = new WeakMap();
}

function chainOf(opts: Opts): Transform[] {
  const chain = [...(opts.transforms ?? [])];
  for (let p = opts.parent; p !== undefined;) {
    chain.push(...(state.own.get(p) ?? []));
    p = (p as unknown as { __parentResource?: pulumi.Resource }).__parentResource;
  }
  return [...chain, ...state.stack];
}

function isPromise(v: unknown): v is Promise<unknown> {
  return typeof (v as { then?: unknown } | undefined)?.then === "function";
}

/** Installs the simulation's transforms support once per process (idempotent). */
export function installTransforms(): void {
  if (state.installed) {
    return;
  }
  state.installed = true;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- patching the SDK's CommonJS exports
  const resourceRuntime = require("@pulumi/pulumi/runtime/resource") as {
    registerResource: RegisterResource;
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- patching the SDK's CommonJS exports
  const stackRuntime = require("@pulumi/pulumi/runtime/stack") as {
    registerResourceTransform: (t: Transform) => void;
    registerStackTransform: (t: Transform) => void;
  };
  stackRuntime.registerResourceTransform = (t) => {
    state.stack.push(t);
  };
  stackRuntime.registerStackTransform = (t) => {
    state.stack.push(t);
  };
  const original = resourceRuntime.registerResource;
  resourceRuntime.registerResource = (
    res,
    parent,
    t,
    name,
    custom,
    remote,
    dep,
    props,
    opts,
    ...rest
  ) => {
    state.own.set(res, [...(opts.transforms ?? [])]);
    const chain = chainOf({ ...opts, parent: opts.parent ?? parent });
    if (chain.length === 0) {
      return original(res, parent, t, name, custom, remote, dep, props, opts, ...rest);
    }
    let curProps: Props = props;
    let curOpts: Opts = { ...opts, transforms: [] };
    let pending: Promise<{ props: Props; opts: Opts }> | undefined;
    for (const transform of chain) {
      const apply = (p: Props, o: Opts) => {
        const r = transform({ type: t, name, custom, props: p, opts: o }) as
          | { props: Props; opts: Opts }
          | undefined
          | Promise<{ props: Props; opts: Opts } | undefined>;
        return r;
      };
      if (pending !== undefined) {
        pending = pending.then(async (cur) => (await apply(cur.props, cur.opts)) ?? cur);
        continue;
      }
      const r = apply(curProps, curOpts);
      if (isPromise(r)) {
        const before = { props: curProps, opts: curOpts };
        pending = r.then((x) => x ?? before);
      } else if (r !== undefined) {
        curProps = r.props;
        curOpts = { ...r.opts, transforms: [] };
      }
    }
    if (pending !== undefined) {
      // An async transform: the resource's outputs are created now from its property names, so
      // each property resolves once the transforms have run (options changed asynchronously
      // cannot be applied after the fact, as in the engine's own ordering they would be).
      const done = pending;
      const keys = new Set([...Object.keys(curProps)]);
      const deferred: Props = {};
      for (const k of keys) {
        deferred[k] = done.then((r) => r.props[k]);
      }
      return original(res, parent, t, name, custom, remote, dep, deferred, curOpts, ...rest);
    }
    return original(res, parent, t, name, custom, remote, dep, curProps, curOpts, ...rest);
  };
}
