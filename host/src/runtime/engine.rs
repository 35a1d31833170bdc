//! The one `wasmtime::Engine`: component model, pooling allocator sized from the
//! limits, fuel metering when the limits set an instruction budget, and epoch
//! interruption driven by a single ticker thread that stops when the engine is
//! dropped.

use std::time::Duration;

use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig};

use super::limits::Limits;

/// Builds the engine and starts its epoch ticker.
pub(crate) fn build(
    limits: &Limits,
    max_instances: u32,
    tick: Duration,
) -> wasmtime::Result<Engine> {
    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(max_instances)
        .total_core_instances(max_instances * limits.instances as u32)
        .total_memories(max_instances * 2)
        .total_tables(max_instances * 4)
        .max_memories_per_component(limits.memories as u32)
        .max_tables_per_component(limits.tables as u32)
        .max_core_instances_per_component(limits.instances as u32)
        .max_memory_size(limits.memory_bytes)
        .table_elements(limits.table_elements);

    let mut config = Config::new();
    config
        .wasm_component_model(true)
        .epoch_interruption(true)
        .consume_fuel(limits.fuel > 0)
        .allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    let engine = Engine::new(&config)?;
    start_ticker(&engine, tick);
    Ok(engine)
}

fn start_ticker(engine: &Engine, tick: Duration) {
    let weak = engine.weak();
    std::thread::Builder::new()
        .name("kait-epoch".into())
        .spawn(move || {
            loop {
                std::thread::sleep(tick);
                match weak.upgrade() {
                    Some(engine) => engine.increment_epoch(),
                    None => break,
                }
            }
        })
        .expect("cannot start the epoch ticker thread");
}

/// Ticks needed so that a call is stopped no earlier than `deadline` and no later
/// than `deadline` plus one tick.
pub(crate) fn deadline_ticks(deadline: Duration, tick: Duration) -> u64 {
    deadline.as_nanos().div_ceil(tick.as_nanos().max(1)) as u64 + 1
}
