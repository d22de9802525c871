// The outbox settings, checked as the backend checks them (`rules.checkOutbox`).
import type {
  OutboxSettings,
} from "../bindings";
import { checkOutbox } from "./rules";
import type { Store } from "./store";

export function settingsFeature(s: Store) {
  const { outbox } = s;
  const saveOutbox = (input: OutboxSettings): OutboxSettings => {
    outbox.quietHours = checkOutbox(input).quietHours;
    outbox.maxAttempts = input.maxAttempts;
    outbox.backoffBaseSecs = input.backoffBaseSecs;
    outbox.backoffMaxSecs = input.backoffMaxSecs;
    return structuredClone(outbox);
  };

  return { saveOutbox };
}
