package io.sluice.services.sla;

import java.util.List;

/** An SLA was refused; {@link #errors()} says every reason, not only the first. */
public final class SlaRejectedException extends RuntimeException {
    private final transient List<SlaError> errors;

    public SlaRejectedException(String slaName, List<SlaError> errors) {
        super("SLA '" + slaName + "' refused: " + errors);
        this.errors = List.copyOf(errors);
    }

    public List<SlaError> errors() {
        return errors;
    }

    public boolean breaks(SlaRule rule) {
        return errors.stream().anyMatch(e -> e.rule() == rule);
    }
}
