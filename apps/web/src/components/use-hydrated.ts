"use client";
// True once React has hydrated this component. Action buttons stay disabled until then: a click on a
// server-rendered button before hydration would submit the form natively (a page reload) or do
// nothing, and the user's action would be lost.
import { useSyncExternalStore } from "react";

const subscribe = () => () => {};

export function useHydrated(): boolean {
  return useSyncExternalStore(
    subscribe,
    () => true,
    () => false,
  );
}
