package io.sluice.server;

import io.sluice.gateway.GatewayMain;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Unmatched;

/** {@code sluice gateway ...}: an I/O performance gateway (NBD proxy); its options are its own. */
@Command(
        name = "gateway",
        description = {
            "Run an I/O performance gateway (NBD proxy in front of files or NBD servers).",
            "Usage: sluice gateway [options] HOST:PORT NAME=TARGET[,ro]...  where TARGET is a file, a block device,",
            "  or nbd://HOST:PORT/EXPORT of an upstream NBD server.",
            "  e.g. sluice gateway 127.0.0.1:10809 disk=/var/lib/images/disk.img  (run with no arguments for all options)",
            "sluice gateway stats --stats-file FILE [--json]: a running gateway's per-volume statistics."
        })
final class GatewayCommand implements Callable<Integer> {
    @Unmatched
    List<String> args = new ArrayList<>();

    @Override
    public Integer call() {
        if (!args.isEmpty() && args.getFirst().equals("stats")) {
            return GatewayStats.run(
                    System.out, System.err, args.subList(1, args.size()).toArray(String[]::new));
        }
        return GatewayMain.run(System.out, System.err, args.toArray(String[]::new));
    }
}
