//! DynamoDB's PartiQL dialect: a grammar, an AST, and a translation of each
//! statement into the same typed operation requests the item API executes.
