/** Last step: do what the route says — answer, redirect, or proxy. */
import { proxyRequest } from '../proxy/proxy-request.js';
import { sendFixed, sendRedirect } from '../respond.js';
import type { StepResult } from '../compose.js';
import type { Exchange } from '../exchange.js';

export function serveRoute(ex: Exchange): StepResult {
  const action = ex.route!.action;
  switch (action.kind) {
    case 'respond':
      return sendFixed(ex, action.status, action.headers, action.body);
    case 'redirect':
      return sendRedirect(ex, action.to, action.status);
    case 'proxy':
      return proxyRequest(ex, action.upstream);
  }
}
