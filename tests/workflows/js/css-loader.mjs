// A node module hook: stylesheets that @llamaindex/ui's bundles import load as empty modules (node cannot
// import .css; a bundler would extract them). Registered by dom.mjs before the UI is imported.
export async function load(url, context, nextLoad) {
  if (url.endsWith('.css')) return { format: 'module', source: '', shortCircuit: true };
  return nextLoad(url, context);
}
