// Jobs the worker runs in the background (chain verifications, what-if replays) share one shape:
// a status, and progress as processed of total. The pages poll them while they run.
import type { QueryClient, QueryKey } from "@tanstack/react-query";

export interface JobProgress {
  status: string;
  processed: number;
  total: number;
}

export const isRunning = (job: JobProgress | null | undefined): job is JobProgress => !!job && (job.status === "pending" || job.status === "running");

/** A query's refetch interval: every second while its job runs, not at all otherwise. */
export const pollWhileRunning = (q: { state: { data?: JobProgress | null } }) => (isRunning(q.state.data) ? 1_000 : false);

/**
 * Query options for a job's status: poll while it runs, also when the tab is not focused (the
 * answer should be there when the user looks back; by default TanStack Query pauses in background).
 */
export const jobPolling = { refetchInterval: pollWhileRunning, refetchIntervalInBackground: true } as const;

export const percentDone = (job: JobProgress | null | undefined) => (job && job.total > 0 ? Math.min(100, Math.round((job.processed / job.total) * 100)) : 0);

/**
 * After a job was requested, asks for its status afresh. A plain `refetch()` joins a fetch still in
 * flight from before the request (the page's first load, when the click came right after it): that
 * one answers "no job yet" (or the previous job, finished), nothing is running, so nothing polls,
 * and the page waits for ever. Cancelling it first makes the next answer include the new job.
 */
export async function refetchJob(qc: QueryClient, queryKey: QueryKey): Promise<void> {
  await qc.cancelQueries({ queryKey });
  await qc.refetchQueries({ queryKey });
}
