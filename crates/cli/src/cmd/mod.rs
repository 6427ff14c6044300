//! One module per subcommand.

pub mod id;
pub mod scan;
