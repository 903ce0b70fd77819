/** Jobs (one event when one fails), CronJobs (schedule, suspend, time zone) and HPAs (limits and metrics). */
import type { MappedChange } from "@painchain/shared";
import type { CronJob, Hpa, Job } from "../model.ts";
import { type Cx, iso, type KeyedKind, specChanges } from "./common.ts";

export interface JobView extends Record<string, unknown> {
  failed: { at: string | null; reason: string; message: string } | null;
}

function jobFailed(cx: Cx, o: Job, failed: NonNullable<JobView["failed"]>): MappedChange {
  const b = cx.base(o, "Job");
  return {
    upstreamId: cx.idOf(b.ns, "job", b.name, o.metadata?.uid, "failed"),
    eventType: "job",
    time: failed.at ?? cx.now().toISOString(),
    subject: `${b.ns}/Job/${b.name}`,
    title: `Job ${b.ns}/${b.name} failed: ${failed.reason}`,
    description: failed.message.slice(0, 4000),
    author: "",
    status: "failed",
    tags: cx.tagsFor(b.ns),
    ...cx.placeOf(o, "Job", b.name),
    refs: [b.ref],
    metadata: { ...b.meta, manager: null, reason: failed.reason, message: failed.message },
  };
}

export const jobs: KeyedKind<Job, JobView> = {
  view(o) {
    const failed = (o.status?.conditions ?? []).find((c) => c.type === "Failed" && c.status === "True");
    return {
      failed: failed
        ? {
          at: iso(failed.lastTransitionTime),
          reason: failed.reason ?? "Failed",
          message: failed.message ?? "",
        }
        : null,
    };
  },
  changes: (cx, _k, o, before, after) =>
    after.failed && !before.failed ? [jobFailed(cx, o, after.failed)] : [],
  // A Job appearing is no event (CronJobs make many); one that appears failed is.
  appeared: (cx, _k, o, view) => view.failed ? [jobFailed(cx, o, view.failed)] : [],
};

export interface CronJobView extends Record<string, unknown> {
  spec: { schedule: string | undefined; suspend: boolean; timeZone: string | null };
}

export const cronJobs: KeyedKind<CronJob, CronJobView> = {
  view: (o) => ({
    spec: {
      schedule: o.spec?.schedule,
      suspend: o.spec?.suspend ?? false,
      timeZone: o.spec?.timeZone ?? null,
    },
  }),
  changes: (cx, k, o, before, after) =>
    specChanges(cx, k, o, before, after, "CronJob", "job", { schedule: o.spec?.schedule }),
};

type HpaSpec = NonNullable<Hpa["spec"]>;

export interface HpaView extends Record<string, unknown> {
  /** What the HPA scales: its replicas are no person's change (see workloads.ts). */
  scaleTargetRef: HpaSpec["scaleTargetRef"] | null;
  spec: { minReplicas: number; maxReplicas: number | undefined; metrics: NonNullable<HpaSpec["metrics"]> };
}

export const hpas: KeyedKind<Hpa, HpaView> = {
  view: (o) => ({
    scaleTargetRef: o.spec?.scaleTargetRef ?? null,
    spec: {
      minReplicas: o.spec?.minReplicas ?? 1,
      maxReplicas: o.spec?.maxReplicas,
      metrics: o.spec?.metrics ?? [],
    },
  }),
  changes: (cx, k, o, before, after) => specChanges(cx, k, o, before, after, "Autoscaler", "hpa"),
};
