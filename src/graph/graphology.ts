/**
 * graphology ships CommonJS typings beside an ESM build; under NodeNext the default import's type is the
 * module namespace, at run time it is the class. This shim gives one typed constructor for the rest of the code.
 */
import graphologyModule from "graphology";
import type { AbstractGraph, Attributes, GraphOptions } from "graphology-types";

type GraphCtor = new <N extends Attributes, E extends Attributes>(options?: GraphOptions) => AbstractGraph<N, E>;

const mod = graphologyModule as unknown as { default?: GraphCtor } & GraphCtor;
export const GraphClass: GraphCtor = mod.default ?? mod;

export function createGraph<N extends Attributes, E extends Attributes>(options?: GraphOptions): AbstractGraph<N, E> {
  return new GraphClass<N, E>(options);
}

export type { AbstractGraph, Attributes };
