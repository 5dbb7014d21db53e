package io.keepwatch.agent.probing;

import io.netty.channel.EventLoopGroup;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * The threads a probe may use.
 *
 * @param networkLoop the event loop all network probes share, which also times every run (see
 *     TimeBoundProbe); a probe never blocks it
 * @param blockingExecutorFor a dedicated executor for a probe that blocks briefly (reads /proc), by
 *     probe name
 */
public record ProbeContext(
    EventLoopGroup networkLoop, Function<String, Executor> blockingExecutorFor) {}
