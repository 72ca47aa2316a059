package io.sluice.services.sla;

/** One reason an SLA was refused: the field at fault, the rule it breaks, and the numbers involved. */
public record SlaError(String field, SlaRule rule, String detail) {
    @Override
    public String toString() {
        return field + ": " + rule.description() + (detail.isEmpty() ? "" : " (" + detail + ")");
    }
}
