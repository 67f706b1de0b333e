// An application instrumented with the real @sentry/node, run by the end-to-end tests:
//   node app.mjs DSN
// It captures a thrown error, an unhandled promise rejection is not used (the process
// must exit cleanly), a message and a span, flushes, and prints the event ids it sent.
import * as Sentry from "@sentry/node";

const dsn = process.argv[2];
const sent = { events: [] };

Sentry.init({
  dsn,
  release: "shop-node@2.0.0",
  environment: "production",
  tracesSampleRate: 1.0,
  beforeSend(event) {
    sent.events.push(event.event_id);
    return event;
  },
});

function loadCart(id) {
  throw new TypeError(`cart ${id} has no owner`);
}

try {
  loadCart("c-9");
} catch (error) {
  sent.thrown = Sentry.captureException(error);
}
sent.message = Sentry.captureMessage("inventory sync lagging", "warning");
Sentry.startSpan({ name: "GET /cart", op: "http.server" }, () => {});

const flushed = await Sentry.flush(20000);
sent.flushed = flushed;
console.log(JSON.stringify(sent));
