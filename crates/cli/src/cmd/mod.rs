//! One module per subcommand.

pub mod add;
pub mod db;
pub mod events;
pub mod id;
pub mod link;
pub mod list;
pub mod normalize;
pub mod scan;
pub mod show;
