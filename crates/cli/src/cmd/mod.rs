//! One module per subcommand.

pub mod id;
pub mod normalize;
pub mod scan;
