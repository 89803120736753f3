// Data categories and purposes, dot-keyed in the style of fideslang, extended for the smart home.

export interface CategoryDefinition {
  key: string;
  name: string;
  description: string;
  /** The device-shadow properties that belong to this category. */
  properties: string[];
}

export const CATEGORIES = [
  {
    key: "user.device.sensor.temperature",
    name: "Temperature",
    description: "The temperature measured in a room.",
    properties: ["temperature"],
  },
  {
    key: "user.device.sensor.setpoint",
    name: "Setpoints",
    description: "The temperatures the thermostat is set to keep.",
    properties: ["heatingSetpoint", "coolingSetpoint"],
  },
  {
    key: "user.device.sensor.hvac_mode",
    name: "Heating/cooling mode",
    description: "Whether the thermostat is heating, cooling, automatic or off.",
    properties: ["hvacMode"],
  },
  {
    key: "user.device.sensor.humidity",
    name: "Humidity",
    description: "The relative humidity measured in a room.",
    properties: ["humidity"],
  },
  {
    key: "user.device.sensor.occupancy",
    name: "Occupancy",
    description: "Whether anyone is in a room.",
    properties: ["occupancy"],
  },
  {
    key: "user.device.sensor.lock_state",
    name: "Lock state",
    description: "Whether a door lock is locked.",
    properties: ["lockState"],
  },
  {
    key: "user.device.sensor.contact_state",
    name: "Door/window contact",
    description: "Whether a door or window is open.",
    properties: ["contactState"],
  },
  {
    key: "user.device.telemetry.connectivity",
    name: "Connectivity",
    description: "Whether a device is online.",
    properties: ["connectivity"],
  },
  {
    key: "user.device.telemetry.energy_usage",
    name: "Energy usage",
    description: "How much energy the heating or cooling uses.",
    properties: ["energyWh"],
  },
] as const satisfies readonly CategoryDefinition[];

export type CategoryKey = (typeof CATEGORIES)[number]["key"];
export const CATEGORY_KEYS = CATEGORIES.map((c) => c.key) as CategoryKey[];

export const PURPOSES = [
  {
    key: "functional.service.fulfil_request",
    name: "Fulfil the homeowner's request",
    description: "Answer or act on something the homeowner asked the platform for.",
  },
  {
    key: "functional.service.automation",
    name: "Run the homeowner's routines",
    description: "Trigger routines and automations the homeowner set up on the platform.",
  },
  {
    key: "analytics.product_improvement",
    name: "Product improvement",
    description: "Measure and improve the platform's products.",
  },
  {
    key: "personalize.recommendations",
    name: "Recommendations",
    description: "Personalise suggestions shown to the homeowner.",
  },
  { key: "advertising_marketing", name: "Advertising", description: "Target or measure advertising." },
  { key: "train_ai_system", name: "Train AI systems", description: "Train the platform's AI models." },
] as const;

export type PurposeKey = (typeof PURPOSES)[number]["key"];
export const PURPOSE_KEYS = PURPOSES.map((p) => p.key) as PurposeKey[];

const propertyToCategory = new Map<string, CategoryKey>(CATEGORIES.flatMap((c) => c.properties.map((p) => [p, c.key] as const)));

/** The category a shadow property belongs to, or undefined for one we do not know. */
export function categoryOfProperty(property: string): CategoryKey | undefined {
  return propertyToCategory.get(property);
}

const categoryProperties = new Map<string, readonly string[]>(CATEGORIES.map((c) => [c.key, c.properties]));

/** The shadow properties of a category (none for a category we do not know). */
export function propertiesOfCategory(key: string): readonly string[] {
  return categoryProperties.get(key) ?? [];
}

export function categoryName(key: string): string {
  return CATEGORIES.find((c) => c.key === key)?.name ?? key;
}

/** Properties by data category, as two lists side by side: each category once, in the order first met, with its properties. */
export interface CategoryGroups {
  categories: string[];
  properties: Record<string, unknown>[];
}

/**
 * Reported properties grouped by the data category each belongs to (unknown properties left out),
 * as lists: the worker walks them once per partner link of every change, with no map iterator.
 */
export function categoryGroups(properties: Readonly<Record<string, unknown>>): CategoryGroups {
  const out: CategoryGroups = { categories: [], properties: [] };
  for (const name in properties) {
    const category = propertyToCategory.get(name);
    if (category === undefined) continue;
    const i = out.categories.indexOf(category);
    if (i >= 0) out.properties[i]![name] = properties[name];
    else {
      out.categories.push(category);
      out.properties.push({ [name]: properties[name] });
    }
  }
  return out;
}

/** Reported properties grouped by the data category each belongs to (unknown properties left out). */
export function groupByCategory(properties: Readonly<Record<string, unknown>>): Map<string, Record<string, unknown>> {
  const g = categoryGroups(properties);
  return new Map(g.categories.map((c, i) => [c, g.properties[i]!]));
}
