// The operator's actions on one message, as the backend allows them (`rules.actionEffect`).
import type {
  MessageView,
  OperatorAction,
} from "../bindings";
import { actionEffect, fail } from "./rules";
import type { Store } from "./store";

export function messagesFeature(s: Store) {
  const { messages, addEvent, setStatus, changed, stop, deliver } = s;
  const act = (id: string, action: OperatorAction): MessageView => {
    const m = messages.find((x) => x.id === id);
    if (!m) fail("message.not_found");
    const current = m.status;
    const effect = actionEffect(action, current);
    const name = { cancel: "message.cancel", retryNow: "message.retry_now", resend: "message.resend", dismiss: "message.dismiss" }[action];
    const detail = `${name} by console`;
    const now = new Date();
    stop(m);
    if (!effect.dueNow) {
      setStatus(m, effect.to, "operator", now, detail);
    } else {
      if (current === "queued") {
        m.updatedAt = now.toISOString();
        addEvent(m.id, "queued", "operator", now, detail);
      } else {
        setStatus(m, "queued", "operator", now, detail);
      }
      m.error = null;
      deliver(m);
    }
    changed();
    return structuredClone(m);
  };

  return { act };
}
