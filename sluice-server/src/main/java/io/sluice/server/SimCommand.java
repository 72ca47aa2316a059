package io.sluice.server;

import io.sluice.sim.SimContext;
import io.sluice.sim.SimMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code sluice sim ...}: the gateway simulator; its options are its own (see {@link SimContext#USAGE}). */
@Command(
        name = "sim",
        description = {
            "Run thousands of simulated gateways against a monitor (load generator).",
            "Options: --monitor HOST:PORT (repeat for a pair) --secret-file F [--gateways N] [--volumes-per-gateway K] [--fault MODE=FRACTION,...]",
            "         [--duration S] ... (run with no options for the full usage)"
        })
final class SimCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        return SimMain.run(System.out, System.err, args.toArray(String[]::new));
    }
}
