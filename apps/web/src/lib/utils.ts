// shadcn/ui's class helper: conditional classes (clsx), later Tailwind utilities winning over
// earlier ones (tailwind-merge), so a component's defaults can be overridden by its caller.
import { clsx, type ClassValue } from "clsx";
import { twMerge } from "tailwind-merge";

export function cn(...inputs: ClassValue[]) {
  return twMerge(clsx(inputs));
}
