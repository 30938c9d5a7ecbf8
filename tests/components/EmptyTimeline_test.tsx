import assert from "node:assert/strict";
import { renderToString } from "preact-render-to-string";
import { EmptyTimeline, type EmptyTimelineProps } from "../../components/EmptyTimeline.tsx";

function reason(props: Partial<EmptyTimelineProps>): string {
  const html = renderToString(
    <EmptyTimeline sessionId="demo" found eventCount={5} filtered={false} {...props} />,
  );
  return /<p>([^<]*)<\/p>/.exec(html)?.[1] ?? "";
}

Deno.test("an empty timeline says why it is empty", () => {
  assert.match(reason({ found: false, eventCount: 0 }), /No execution log found for session demo/);
  assert.equal(reason({ eventCount: 0 }), "This session has no events yet.");
  assert.equal(reason({ filtered: true }), "No events match your filters.");
  assert.equal(reason({}), "No events on this page.");
});
