// The target of the node suites: the deployment base URL that tests/workflows/test_js_clients.py passes.
export const BASE_URL = process.env.WORKFLOWS_BASE_URL;
if (!BASE_URL) {
  throw new Error(
    'WORKFLOWS_BASE_URL is not set: run these suites through tests/workflows/test_js_clients.py (make test-workflows),' +
      ' or set it to a deployment, e.g. http://127.0.0.1:4501/deployments/wfdemo',
  );
}
// The event types a client sees in a full human-in-the-loop run of `hitl`.
export const HITL_PUBLIC = ['ProgressEvent', 'AskEvent', 'ProgressEvent', 'StopEvent'];
