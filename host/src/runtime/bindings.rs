//! Host bindings of the `kait:plugin` transformer world, generated from `wit/`.
#![allow(missing_docs)]

wasmtime::component::bindgen!({
    path: "../wit",
    world: "transformer",
    imports: { "kait:plugin/host.log": trappable },
});
