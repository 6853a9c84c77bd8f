import { instance } from '@viz-js/viz';
import { JSDOM } from 'jsdom';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { getStateNodes } from 'xstate/graph';

/** A state as a parser read it back: its label and the label of the box it sits in. */
export interface ParsedState {
  readonly name: string;
  readonly label: string;
  readonly parent?: string;
  /** For a region of a parallel state in Mermaid: the region it sits in. */
  readonly region?: string;
}

/** An arrow as a parser read it back, by the names of its ends. */
export interface ParsedArrow {
  readonly from: string;
  readonly to: string;
  readonly label: string;
}

interface MermaidData {
  nodes: { id: string; label?: string; parentId?: string; shape: string }[];
  edges: { start: string; end: string; label?: string }[];
}

interface MermaidApi {
  parse(text: string): Promise<unknown>;
  mermaidAPI: { getDiagramFromText(text: string): Promise<{ db: { getData(): MermaidData } }> };
}

let mermaid: Promise<MermaidApi> | undefined;

/**
 * Mermaid itself, in Node: its parser needs no DOM, but it passes every label through DOMPurify,
 * which binds to the `window` it finds when it loads, so jsdom lends one for the import.
 */
function mermaidApi(): Promise<MermaidApi> {
  mermaid ??= (async () => {
    const global = globalThis as { window?: unknown };
    global.window = new JSDOM('').window;
    try {
      return (await import('mermaid')).default as unknown as MermaidApi;
    } finally {
      delete global.window;
    }
  })();
  return mermaid;
}

/**
 * Mermaid's parser keeps an entity (`#35;`, `#quot;`) in a placeholder form of its own until it
 * draws: read back, the placeholder is turned into the character it stands for.
 */
function decodeMermaid(label: string): string {
  return label
    .replace(/\uFB02\u00B0\u00B0(\d+)\u00B6\u00DF/g, (_, code: string) =>
      String.fromCharCode(Number(code)),
    )
    .replace(/\uFB02\u00B0(\w+)\u00B6\u00DF/g, (whole, entity: string) => named[entity] ?? whole);
}

const named: Readonly<Record<string, string>> = { quot: '"', amp: '&', lt: '<', gt: '>' };

/** Parses Mermaid text with Mermaid's own parser (it throws on a syntax error) and reads its model. */
export async function parseMermaid(text: string): Promise<{
  states: ParsedState[];
  arrows: ParsedArrow[];
}> {
  const api = await mermaidApi();
  await api.parse(text);
  const data = (await api.mermaidAPI.getDiagramFromText(text)).db.getData();
  const byId = new Map(data.nodes.map((node) => [node.id, node]));
  // A parallel state's regions are `divider` groups between it and its children.
  const markers = new Set(['stateStart', 'stateEnd', 'divider']);
  const states = data.nodes
    .filter((node) => !markers.has(node.shape))
    .map((node) => {
      const up = node.parentId === undefined ? undefined : byId.get(node.parentId);
      const region = up?.shape === 'divider' ? up : undefined;
      const parent = region?.parentId === undefined ? up : byId.get(region.parentId);
      return {
        name: node.id,
        label: node.label ?? node.id,
        ...(parent === undefined ? {} : { parent: parent.label ?? '' }),
        ...(region === undefined ? {} : { region: region.id }),
      };
    });
  const nameOf = (id: string): string => {
    const node = byId.get(id);
    if (node?.shape === 'stateStart') return '[*]start';
    if (node?.shape === 'stateEnd') return '[*]end';
    return id;
  };
  const arrows = data.edges.map((edge) => ({
    from: nameOf(edge.start),
    to: nameOf(edge.end),
    label: decodeMermaid(edge.label ?? ''),
  }));
  return { states, arrows };
}

interface GraphvizJson {
  objects?: { _gvid: number; name: string; label?: string; nodes?: number[] }[];
  edges?: { tail: number; head: number; label?: string }[];
}

/** Lays out DOT with Graphviz: its errors and warnings, its nodes with their clusters, its arrows. */
export async function parseDot(dot: string): Promise<{
  messages: string[];
  states: ParsedState[];
  arrows: ParsedArrow[];
}> {
  const viz = await instance();
  const result = viz.render(dot, { format: 'json' });
  const messages = result.errors.map((e) => `${e.level ?? 'error'}: ${e.message}`);
  if (result.status !== 'success') return { messages, states: [], arrows: [] };
  const json = JSON.parse(result.output) as GraphvizJson;
  const objects = json.objects ?? [];
  const clusters = objects.filter((o) => o.nodes !== undefined && o.name.startsWith('cluster'));
  // The innermost cluster holding a node is the smallest one that lists it.
  const clusterOf = (gvid: number): string | undefined =>
    clusters
      .filter((c) => c.nodes?.includes(gvid))
      .sort((a, b) => (a.nodes?.length ?? 0) - (b.nodes?.length ?? 0))[0]?.label;
  const nodes = objects.filter((o) => o.nodes === undefined);
  const byGvid = new Map(nodes.map((n) => [n._gvid, n]));
  const states = nodes.map((node) => {
    const parent = clusterOf(node._gvid);
    return {
      name: node.name,
      label: node.label ?? '',
      ...(parent === undefined ? {} : { parent }),
    };
  });
  const arrows = (json.edges ?? []).map((edge) => ({
    from: byGvid.get(edge.tail)?.name ?? '?',
    to: byGvid.get(edge.head)?.name ?? '?',
    label: edge.label ?? '',
  }));
  return { messages, states, arrows };
}

/** Parses SVG as XML (a real parser: it refuses a document that is not well formed) and reads its texts. */
export function parseSvg(svg: string): { root: string; texts: string[] } {
  const { window } = new JSDOM('');
  const document = new window.DOMParser().parseFromString(svg, 'image/svg+xml');
  const error = document.getElementsByTagName('parsererror')[0];
  if (error !== undefined) throw new Error(`not well-formed XML: ${error.textContent ?? ''}`);
  const texts = [...document.getElementsByTagName('text')].map((t) => t.textContent ?? '');
  return { root: document.documentElement.tagName, texts };
}

/** What a chart must show, read from the machine through xstate's own API. */
export interface MachineFacts {
  /** Each state's key with its parent's key (the machine id at the top). */
  readonly states: { key: string; parent: string }[];
  /** Every transition: its source's key, its target's key, and its event ('' for `always`). */
  readonly transitions: { from: string; to: string; event: string }[];
}

export function machineFacts(machine: AnyStateMachine): MachineFacts {
  const keyOf = (node: AnyStateNode): string => (node.parent === undefined ? machine.id : node.key);
  const nodes = [machine.root, ...getStateNodes(machine.root)];
  return {
    states: getStateNodes(machine.root).map((node) => ({
      key: node.key,
      parent: keyOf(node.parent ?? node),
    })),
    transitions: nodes.flatMap((node) =>
      [...[...node.transitions.values()].flat(), ...(node.always ?? [])].flatMap((t) =>
        (t.target ?? [node]).map((target) => ({
          from: keyOf(node),
          to: keyOf(target),
          event: t.eventType as string,
        })),
      ),
    ),
  };
}
