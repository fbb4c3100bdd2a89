//! Writing PartiQL conditions, paths and values as DynamoDB expressions.
//!
//! Every attribute name becomes an `#nK` placeholder and every value a `:vK`
//! placeholder, so reserved words, dots and dashes in names never matter and
//! the item API's expression parser is the only one that interprets them.

use super::ast::*;
use crate::error::Error;
use serde_json::{json, Map, Value as Json};

/// Collects `ExpressionAttributeNames` and `ExpressionAttributeValues` while
/// expressions are written.
#[derive(Debug, Default)]
pub struct Renderer<'p> {
    params: &'p [Json],
    names: Map<String, Json>,
    values: Map<String, Json>,
}

impl<'p> Renderer<'p> {
    pub fn new(params: &'p [Json]) -> Self {
        Renderer { params, names: Map::new(), values: Map::new() }
    }

    /// Move the collected placeholders into `request`, leaving out empty maps
    /// (DynamoDB rejects an empty `ExpressionAttributeValues`).
    pub fn finish_into(self, request: &mut Map<String, Json>) {
        if !self.names.is_empty() {
            request.insert("ExpressionAttributeNames".into(), Json::Object(self.names));
        }
        if !self.values.is_empty() {
            request.insert("ExpressionAttributeValues".into(), Json::Object(self.values));
        }
    }

    pub fn name(&mut self, name: &str) -> String {
        if let Some((k, _)) = self.names.iter().find(|(_, v)| v.as_str() == Some(name)) {
            return k.clone();
        }
        let key = format!("#n{}", self.names.len());
        self.names.insert(key.clone(), Json::String(name.to_string()));
        key
    }

    pub fn value_placeholder(&mut self, value: Json) -> String {
        let key = format!(":v{}", self.values.len());
        self.values.insert(key.clone(), value);
        key
    }

    pub fn path(&mut self, path: &Path) -> String {
        let mut out = String::new();
        for (i, step) in path.0.iter().enumerate() {
            match step {
                PathStep::Name(n) => {
                    if i > 0 {
                        out.push('.');
                    }
                    let placeholder = self.name(n);
                    out.push_str(&placeholder);
                }
                PathStep::Index(ix) => out.push_str(&format!("[{ix}]")),
            }
        }
        out
    }

    /// A value with its placeholders bound, as a DynamoDB AttributeValue.
    pub fn resolve(&self, value: &Value) -> Result<Json, Error> {
        resolve_value(value, self.params)
    }

    pub fn operand(&mut self, operand: &Operand) -> Result<String, Error> {
        match operand {
            Operand::Path(p) => Ok(self.path(p)),
            Operand::Value(Value::Missing) => Err(Error::Validation(
                "MISSING can only be used with IS MISSING or IS NOT MISSING".into(),
            )),
            Operand::Value(v) => {
                let resolved = self.resolve(v)?;
                Ok(self.value_placeholder(resolved))
            }
            Operand::Call { name, args } => match name.as_str() {
                "size" => {
                    let [arg] = args.as_slice() else {
                        return Err(wrong_arity("size", 1));
                    };
                    Ok(format!("size({})", self.path_operand(arg, "size")?))
                }
                "list_append" | "if_not_exists" => {
                    let [a, b] = args.as_slice() else {
                        return Err(wrong_arity(name, 2));
                    };
                    Ok(format!("{name}({}, {})", self.operand(a)?, self.operand(b)?))
                }
                other => Err(Error::Validation(format!("Unsupported function in this position: {other}"))),
            },
        }
    }

    fn path_operand(&mut self, operand: &Operand, function: &str) -> Result<String, Error> {
        match operand {
            Operand::Path(p) => Ok(self.path(p)),
            _ => Err(Error::Validation(format!(
                "Invalid argument to function {function}: the first argument must be an attribute path"
            ))),
        }
    }

    /// A WHERE condition as a DynamoDB condition expression.
    pub fn condition(&mut self, expr: &Expr) -> Result<String, Error> {
        Ok(match expr {
            Expr::Or(terms) => self.joined(terms, " OR ")?,
            Expr::And(terms) => self.joined(terms, " AND ")?,
            Expr::Not(inner) => format!("NOT ({})", self.condition(inner)?),
            Expr::Compare(l, op, r) => match (l, r) {
                (o, Operand::Value(Value::Missing)) | (Operand::Value(Value::Missing), o) => {
                    let exists = match op {
                        CompareOp::Eq => false,
                        CompareOp::Ne => true,
                        _ => {
                            return Err(Error::Validation(
                                "MISSING can only be compared with = or <>".into(),
                            ))
                        }
                    };
                    let path = self.path_operand(o, "MISSING")?;
                    if exists {
                        format!("attribute_exists({path})")
                    } else {
                        format!("attribute_not_exists({path})")
                    }
                }
                _ => format!("{} {} {}", self.operand(l)?, op.as_expression(), self.operand(r)?),
            },
            Expr::Between { operand, low, high, negated } => {
                let text =
                    format!("{} BETWEEN {} AND {}", self.operand(operand)?, self.operand(low)?, self.operand(high)?);
                negate(text, *negated)
            }
            Expr::In { operand, list, negated } => {
                let target = self.operand(operand)?;
                let items: Vec<String> = match list {
                    InList::Items(items) => items.iter().map(|i| self.operand(i)).collect::<Result<_, _>>()?,
                    InList::Parameter(i) => {
                        let values = list_parameter(self.params, *i)?;
                        values.into_iter().map(|v| self.value_placeholder(v)).collect()
                    }
                };
                if items.is_empty() || items.len() > 100 {
                    return Err(Error::Validation(
                        "IN must be given between 1 and 100 values".into(),
                    ));
                }
                negate(format!("{target} IN ({})", items.join(", ")), *negated)
            }
            Expr::Is { operand, target: IsTarget::Missing, negated } => {
                let path = self.path_operand(operand, "IS MISSING")?;
                if *negated {
                    format!("attribute_exists({path})")
                } else {
                    format!("attribute_not_exists({path})")
                }
            }
            Expr::Is { operand, target: IsTarget::Null, negated } => {
                let path = self.path_operand(operand, "IS NULL")?;
                let null = self.value_placeholder(json!({ "S": "NULL" }));
                negate(format!("attribute_type({path}, {null})"), *negated)
            }
            Expr::Exists(_) => {
                return Err(Error::Validation(
                    "EXISTS is only supported as a statement of ExecuteTransaction".into(),
                ))
            }
            Expr::Operand(Operand::Call { name, args }) => match name.as_str() {
                "begins_with" | "contains" | "attribute_type" => {
                    let [a, b] = args.as_slice() else {
                        return Err(wrong_arity(name, 2));
                    };
                    let path = self.path_operand(a, name)?;
                    format!("{name}({path}, {})", self.operand(b)?)
                }
                "attribute_exists" | "attribute_not_exists" => {
                    let [a] = args.as_slice() else {
                        return Err(wrong_arity(name, 1));
                    };
                    format!("{name}({})", self.path_operand(a, name)?)
                }
                other => return Err(Error::Validation(format!("Unsupported function in WHERE clause: {other}"))),
            },
            Expr::Operand(_) => {
                return Err(Error::Validation(
                    "A WHERE condition must be a comparison, a function or a combination of them".into(),
                ))
            }
        })
    }

    fn joined(&mut self, terms: &[Expr], sep: &str) -> Result<String, Error> {
        let parts = terms.iter().map(|t| Ok(format!("({})", self.condition(t)?))).collect::<Result<Vec<_>, Error>>()?;
        Ok(parts.join(sep))
    }
}

fn negate(text: String, negated: bool) -> String {
    if negated {
        format!("NOT ({text})")
    } else {
        text
    }
}

fn wrong_arity(function: &str, n: usize) -> Error {
    Error::Validation(format!("Incorrect number of arguments to function {function}: expected {n}"))
}

/// The elements of a list parameter used as `IN ?`.
fn list_parameter(params: &[Json], i: usize) -> Result<Vec<Json>, Error> {
    match params.get(i).and_then(|p| p.get("L")).and_then(Json::as_array) {
        Some(items) => Ok(items.clone()),
        None => Err(Error::Validation("The parameter of IN ? must be a list (L)".into())),
    }
}

/// Bind parameters and turn literals into DynamoDB AttributeValues.
pub fn resolve_value(value: &Value, params: &[Json]) -> Result<Json, Error> {
    Ok(match value {
        Value::Parameter(i) => params
            .get(*i)
            .cloned()
            .ok_or_else(|| Error::Validation("Number of parameters in request and statement don't match.".into()))?,
        Value::Scalar(j) => j.clone(),
        Value::Map(entries) => {
            let mut m = Map::new();
            for (k, v) in entries {
                if matches!(v, Value::Missing) {
                    continue;
                }
                m.insert(k.clone(), resolve_value(v, params)?);
            }
            json!({ "M": m })
        }
        Value::List(items) => {
            let items = items
                .iter()
                .filter(|v| !matches!(v, Value::Missing))
                .map(|v| resolve_value(v, params))
                .collect::<Result<Vec<_>, _>>()?;
            json!({ "L": items })
        }
        Value::Set(items) => {
            let items = items.iter().map(|v| resolve_value(v, params)).collect::<Result<Vec<_>, _>>()?;
            set_of(items)?
        }
        Value::Missing => return Err(Error::Validation("MISSING is not a value that can be stored".into())),
    })
}

fn set_of(items: Vec<Json>) -> Result<Json, Error> {
    let kind = |v: &Json| -> Option<&'static str> {
        ["S", "N", "B"].into_iter().find(|k| v.get(*k).is_some() && v.as_object().is_some_and(|o| o.len() == 1))
    };
    let Some(first) = items.first() else {
        return Err(Error::Validation("Set literals cannot be empty".into()));
    };
    let Some(k) = kind(first) else {
        return Err(Error::Validation("Set elements must be strings, numbers or binary values".into()));
    };
    let mut out = Vec::with_capacity(items.len());
    for item in &items {
        if kind(item) != Some(k) {
            return Err(Error::Validation("All elements of a set must have the same type".into()));
        }
        out.push(item[k].clone());
    }
    let set_key = format!("{k}S");
    Ok(json!({ set_key: out }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::partiql::parse::parse_statement;

    fn where_of(text: &str) -> Expr {
        match parse_statement(text).unwrap() {
            Statement::Select(s) => s.filter.unwrap(),
            _ => panic!("not a select"),
        }
    }

    #[test]
    fn renders_conditions_with_placeholders() {
        let params = [json!({"N": "3"})];
        let mut r = Renderer::new(&params);
        let e = where_of("SELECT * FROM T WHERE a.b[1] > ? AND NOT (status = 'x' OR c IS MISSING)");
        assert_eq!(r.condition(&e).unwrap(), "(#n0.#n1[1] > :v0) AND (NOT ((#n2 = :v1) OR (attribute_not_exists(#n3))))");
        let mut req = Map::new();
        r.finish_into(&mut req);
        assert_eq!(req["ExpressionAttributeNames"], json!({"#n0": "a", "#n1": "b", "#n2": "status", "#n3": "c"}));
        assert_eq!(req["ExpressionAttributeValues"], json!({":v0": {"N": "3"}, ":v1": {"S": "x"}}));
    }

    #[test]
    fn reuses_a_name_placeholder() {
        let mut r = Renderer::new(&[]);
        let e = where_of("SELECT * FROM T WHERE a = 1 OR a = 2");
        assert_eq!(r.condition(&e).unwrap(), "(#n0 = :v0) OR (#n0 = :v1)");
    }

    #[test]
    fn renders_in_between_functions_and_null() {
        let params = [json!({"L": [{"S": "p"}, {"S": "q"}]})];
        let mut r = Renderer::new(&params);
        let e = where_of(
            "SELECT * FROM T WHERE x IN [1, 2] AND y NOT IN ? AND z BETWEEN 1 AND 9 AND begins_with(s, 'ab') AND size(l) >= 2 AND n IS NOT NULL",
        );
        assert_eq!(
            r.condition(&e).unwrap(),
            "(#n0 IN (:v0, :v1)) AND (NOT (#n1 IN (:v2, :v3))) AND (#n2 BETWEEN :v4 AND :v5) AND (begins_with(#n3, :v6)) AND (size(#n4) >= :v7) AND (NOT (attribute_type(#n5, :v8)))"
        );
    }

    #[test]
    fn resolves_nested_literals_and_sets() {
        let params = [json!({"S": "bound"})];
        let v = match parse_statement("INSERT INTO T VALUE {'a': [1, ?], 'b': <<'x', 'y'>>, 'c': <<1, 2>>}").unwrap() {
            Statement::Insert(i) => i.item,
            _ => panic!(),
        };
        assert_eq!(
            resolve_value(&v, &params).unwrap(),
            json!({"M": {"a": {"L": [{"N": "1"}, {"S": "bound"}]}, "b": {"SS": ["x", "y"]}, "c": {"NS": ["1", "2"]}}})
        );
    }

    #[test]
    fn rejects_mixed_and_empty_sets() {
        let mixed = Value::Set(vec![Value::Scalar(json!({"S": "a"})), Value::Scalar(json!({"N": "1"}))]);
        assert!(resolve_value(&mixed, &[]).is_err());
        assert!(resolve_value(&Value::Set(vec![]), &[]).is_err());
    }
}
