// Filters the upstream's answer to a JSON-RPC `tools/list` (docs/mcp.md "tools/list shows only
// the tools you may call"): every `result.tools` entry whose `name` the caller may not call is
// dropped. The answer is a JSON body (one message or a batch) or, on Streamable HTTP, an SSE
// stream whose `data:` fields carry the messages. Every message is parsed and written again, so
// the client reads exactly what was judged (no duplicate keys, no second reading of a name); an
// entry without a string name, or an SSE event whose data is not JSON, is dropped: fail closed.

/** Whether the caller may call this tool (the route policy, judged as a `tools/call`). */
export type ToolAllowed = (tool: string) => boolean;

export type FilteredBody =
  | {
      readonly kind: 'filtered';
      readonly body: string;
      readonly kept: number;
      readonly removed: number;
    }
  | { readonly kind: 'unfilterable'; readonly reason: string };

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

interface Count {
  kept: number;
  removed: number;
}

/** One JSON-RPC message with its `result.tools` filtered (others unchanged). */
function filterMessage(m: unknown, allowed: ToolAllowed, count: Count): unknown {
  if (!isObject(m) || !isObject(m.result) || !Object.hasOwn(m.result, 'tools')) return m;
  const tools = m.result.tools;
  if (!Array.isArray(tools)) return { ...m, result: { ...m.result, tools: [] } };
  const keep = tools.filter((t) => isObject(t) && typeof t.name === 'string' && allowed(t.name));
  count.kept += keep.length;
  count.removed += tools.length - keep.length;
  return { ...m, result: { ...m.result, tools: keep } };
}

function filterJson(text: string, allowed: ToolAllowed, count: Count): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return null;
  }
  const out = Array.isArray(parsed)
    ? parsed.map((m) => filterMessage(m, allowed, count))
    : filterMessage(parsed, allowed, count);
  return JSON.stringify(out);
}

/** SSE (WHATWG "server-sent events"): events end at a blank line; `data:` lines join with \n. */
function filterEventStream(text: string, allowed: ToolAllowed, count: Count): string {
  const events = text.split(/\r\n\r\n|\n\n|\r\r/);
  const out: string[] = [];
  for (const event of events) {
    if (event === '') continue;
    const lines = event.split(/\r\n|\n|\r/);
    const data: string[] = [];
    const other: string[] = [];
    for (const line of lines) {
      if (line === 'data' || line.startsWith('data:')) {
        const value = line.slice(5);
        data.push(value.startsWith(' ') ? value.slice(1) : value);
      } else other.push(line);
    }
    if (data.length === 0) {
      out.push(other.join('\n'));
      continue;
    }
    const json = filterJson(data.join('\n'), allowed, count);
    if (json === null) continue; // not a JSON message: never shown unread
    out.push([...other, `data: ${json}`].join('\n'));
  }
  return out.length === 0 ? '' : `${out.join('\n\n')}\n\n`;
}

/**
 * Filters the body of a `tools/list` answer with this content type. A JSON body that does not
 * parse, or another content type, is `unfilterable` (the caller answers an error instead).
 */
export function filterToolsListBody(
  contentType: string,
  body: string,
  allowed: ToolAllowed,
): FilteredBody {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  const count: Count = { kept: 0, removed: 0 };
  if (type === 'text/event-stream') {
    return { kind: 'filtered', body: filterEventStream(body, allowed, count), ...count };
  }
  if (type === 'application/json' || type.endsWith('+json')) {
    const json = filterJson(body, allowed, count);
    if (json === null) return { kind: 'unfilterable', reason: 'the upstream answer is not JSON' };
    return { kind: 'filtered', body: json, ...count };
  }
  return {
    kind: 'unfilterable',
    reason: `the upstream answered tools/list with ${type === '' ? 'no content type' : type}`,
  };
}
