package io.sluice.common;

import java.util.List;

/**
 * Several agents on one thread: each turn runs every agent's turn in the order given and adds up their work. Starts
 * them in that order and closes them in reverse; an agent that fails to close does not keep the others open.
 */
public final class CompositeAgent implements Agent {
    private final Agent[] agents;
    private final String roleName;

    public CompositeAgent(String roleName, List<? extends Agent> agents) {
        if (agents.isEmpty()) {
            throw new IllegalArgumentException("a composite of no agents");
        }
        this.roleName = roleName;
        this.agents = agents.toArray(new Agent[0]);
    }

    @Override
    public int doWork(long nowMillis) {
        int work = 0;
        for (Agent agent : agents) {
            work += agent.doWork(nowMillis);
        }
        return work;
    }

    @Override
    public void onStart() {
        for (Agent agent : agents) {
            agent.onStart();
        }
    }

    @Override
    public void onClose() {
        RuntimeException first = null;
        for (int i = agents.length - 1; i >= 0; i--) {
            try {
                agents[i].onClose();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String roleName() {
        return roleName;
    }
}
