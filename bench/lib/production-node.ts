// What the benches run Portcullis with: the image's Node settings.
/**
 * The Node settings of the image (Dockerfile ENV: NODE_OPTIONS and MALLOC_ARENA_MAX; README
 * "Production tuning", docs/performance.md "Memory"), which the benches run Portcullis with.
 */
export const PRODUCTION_NODE = {
  execArgv: ['--max-semi-space-size=8'],
  env: { MALLOC_ARENA_MAX: '2' },
} as const;
