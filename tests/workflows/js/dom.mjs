// A browser for the @llamaindex/ui hooks in node: a jsdom window and document as globals, an EventSource
// (the `eventsource` package, which follows the WHATWG spec), and stylesheet imports turned into empty
// modules (css-loader.mjs). Import it before React and the UI, which are imported dynamically after it.
import { register } from 'node:module';
import { EventSource } from 'eventsource';
import { JSDOM } from 'jsdom';

register('./css-loader.mjs', import.meta.url);

const dom = new JSDOM('<!doctype html><html><body></body></html>', { url: 'http://localhost:3000/' });
globalThis.window = dom.window;
globalThis.document = dom.window.document;
for (const name of ['navigator', 'HTMLElement', 'Node', 'getComputedStyle', 'MutationObserver']) {
  if (!(name in globalThis)) globalThis[name] = dom.window[name];
}
globalThis.EventSource = EventSource;
window.EventSource = EventSource;
// updates arrive from the server's events, outside React's act(): the tests wait for them instead
globalThis.IS_REACT_ACT_ENVIRONMENT = false;
