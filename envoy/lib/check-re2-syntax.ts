// Route regexes run in RE2, which has no lookaround, backreferences or atomic groups; config/
// checks them with JavaScript's engine, which has all three. Found here, they are refused with
// the route named instead of being NACKed by Envoy.

/** Why `pattern` is not RE2, or undefined when it may be. */
export function re2Problem(pattern: string): string | undefined {
  let inClass = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') {
      const n = pattern[i + 1] ?? '';
      if (!inClass && /[1-9]/.test(n)) return 'backreferences (\\1) are not supported by RE2';
      if (n === 'k' && pattern[i + 2] === '<')
        return 'named backreferences are not supported by RE2';
      i++;
    } else if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    else if (c === '(' && !inClass && pattern[i + 1] === '?') {
      const rest = pattern.slice(i + 2, i + 4);
      if (rest.startsWith('=') || rest.startsWith('!')) return 'lookahead is not supported by RE2';
      if (rest === '<=' || rest === '<!') return 'lookbehind is not supported by RE2';
      if (rest.startsWith('>')) return 'atomic groups are not supported by RE2';
    }
  }
  return undefined;
}
