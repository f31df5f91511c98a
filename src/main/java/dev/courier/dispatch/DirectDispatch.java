package dev.courier.dispatch;

/**
 * What ingest needs to skip the wheel for an immediate message: the node's delivery credit, its lease
 * tokens, the hand-off to the dispatchers and the lease grace. A message stored already leased to this
 * node and handed over at once costs Redis no claim and the body no second trip out of Redis; if the
 * node dies before the outcome, the lease expires and the reaper puts the message back on the wheel,
 * exactly as for a claimed message (design.md invariant 1).
 *
 * <p>Only for messages no gate applies to: a message of a queue or under flow control must go through
 * the claim script, which takes the gate's permit atomically (invariant 4).
 *
 * @param creditWaitMs how long an immediate publish waits for credit when none is free ({@link CreditWait})
 */
public record DirectDispatch(DispatchCredit credit, LeaseTokens tokens, Handoff handoff, long leaseGraceMs,
    long creditWaitMs) {}
