//! A well-formed component that exports a different world, so the host's loading
//! check has something to refuse.

wit_bindgen::generate!({
    inline: "
        package test:other;
        world greeter {
            export greet: func(name: string) -> string;
        }
    ",
});

struct Greeter;

impl Guest for Greeter {
    fn greet(name: String) -> String {
        format!("hello {name}")
    }
}

export!(Greeter);
