//! One module per subcommand.

pub mod add;
pub mod check;
pub mod db;
pub mod demo;
pub mod events;
pub mod id;
pub mod link;
pub mod list;
pub mod mail;
pub mod normalize;
pub mod scan;
pub mod serve;
pub mod show;
pub mod simulate;
pub mod token;
pub mod user;
