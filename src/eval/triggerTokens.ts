/**
 * Which tokens the logit check reads. The format's call marker is what the prompt asks the model to open a call
 * with; a model may open its calls otherwise (Qwen2.5-Coder in its chat template writes ```json fences, not the
 * <tool_call> tag the template asks for), and then the marker's logit says little about the decision. So the
 * check also reads the token the model's own unsteered calls most often open with, and says how specific it is.
 */
import type { SteerModel } from "../engine/model.js";
import type { LogitShift } from "./reportTypes.js";
import type { SampleOutcome } from "./runner.js";

export interface TriggerToken {
  id: number;
  source: NonNullable<LogitShift["token_source"]>;
  share_of_calls?: number;
  share_of_others?: number;
}

/** The marker's first token, then the calls' most common opening token when it is another one. */
export function triggerTokens(model: Pick<SteerModel, "tokenize">, callMarker: string, outcomes: readonly SampleOutcome[]): TriggerToken[] {
  const marker: TriggerToken = { id: model.tokenize(callMarker, { addSpecial: false })[0], source: "marker" };
  // Each reply's opening token, tokenized once.
  const openings = outcomes.map((o) => model.tokenize(o.output, { addSpecial: false })[0] as number | undefined);
  const counts = new Map<number, number>();
  outcomes.forEach((o, i) => {
    const id = openings[i];
    if (o.parse.triggered && id !== undefined) counts.set(id, (counts.get(id) ?? 0) + 1);
  });
  // Most frequent; ties to the smaller id so the choice does not depend on the order of the samples.
  const best = [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
  if (!best || best[0] === marker.id) return [marker];
  const share = (triggered: boolean) => {
    const group = outcomes.flatMap((o, i) => (o.parse.triggered === triggered ? [openings[i]] : []));
    return group.length ? group.filter((id) => id === best[0]).length / group.length : Number.NaN;
  };
  return [marker, { id: best[0], source: "calls", share_of_calls: share(true), share_of_others: share(false) }];
}
