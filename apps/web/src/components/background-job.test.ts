import { QueryClient, QueryObserver } from "@tanstack/react-query";
import { describe, expect, it } from "vitest";
import { jobPolling, refetchJob, type JobProgress } from "./background-job";

/**
 * A job-status endpoint whose first answer is slow (the page's first load) and predates the job the
 * user then requests: what the e2e test met once under load.
 */
function scenario() {
  let requested = false;
  let calls = 0;
  const queryFn = async (): Promise<JobProgress | null> => {
    calls++;
    const sawJob = requested;
    await new Promise((r) => setTimeout(r, calls === 1 ? 80 : 5));
    return sawJob ? { status: "pending", processed: 0, total: 10 } : null;
  };
  const qc = new QueryClient({ defaultOptions: { queries: { retry: false } } });
  const queryKey = ["job"];
  const observer = new QueryObserver(qc, { queryKey, queryFn, ...jobPolling });
  const unsubscribe = observer.subscribe(() => {});
  return { qc, queryKey, observer, request: () => (requested = true), done: () => (unsubscribe(), qc.clear()) };
}

describe("refetching a job's status after requesting it", () => {
  it("a plain refetch joins the stale first load and never sees the job (the bug)", async () => {
    const s = scenario();
    await new Promise((r) => setTimeout(r, 10)); // the first load is in flight
    s.request();
    await s.observer.refetch();
    expect(s.observer.getCurrentResult().data).toBeNull();
    s.done();
  });

  it("refetchJob cancels it and asks again: the job is there, and polling starts", async () => {
    const s = scenario();
    await new Promise((r) => setTimeout(r, 10));
    s.request();
    await refetchJob(s.qc, s.queryKey);
    expect(s.observer.getCurrentResult().data).toMatchObject({ status: "pending" });
    s.done();
  });
});
