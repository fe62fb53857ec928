//! Time passing on the caller's clock: requests get delivered and assignments expire.

use super::views::end_of;
use super::{grant, grants, revoke_pairs};
use crate::store::*;
use crate::tenant::Tenant;

/// Bring the tenant up to `t.now`: deliver due requests in due order, expire assignments.
pub(crate) fn advance(t: &mut Tenant) {
    loop {
        let next = t
            .store
            .requests
            .iter()
            .enumerate()
            .filter(|(_, r)| r.state.in_progress() && r.due_ms <= t.now)
            .min_by_key(|(i, r)| (r.due_ms, *i))
            .map(|(i, _)| i);
        match next {
            Some(i) => deliver(t, i),
            None => break,
        }
    }
    // Accepted requests are delivering for the rest of their delay, as Graph shows them.
    let now = t.now;
    for r in &mut t.store.requests {
        if r.state == RequestState::Submitted && r.delivering_ms <= now {
            r.state = RequestState::Delivering;
        }
    }
    let expiring: Vec<usize> = t
        .store
        .assignments
        .iter()
        .enumerate()
        .filter(|(_, a)| {
            a.state == AssignmentState::Delivered && a.end_ms.is_some_and(|e| e <= now)
        })
        .map(|(i, _)| i)
        .collect();
    for i in expiring {
        let (pid, target) = {
            let a = &mut t.store.assignments[i];
            a.state = AssignmentState::Expired;
            (a.access_package_id.clone(), a.target_id.clone())
        };
        let pairs = grants(&t.store, &pid);
        revoke_pairs(&mut t.store, &pairs, &target);
    }
}

fn deliver(t: &mut Tenant, i: usize) {
    let r = t.store.requests[i].clone();
    let at = r.due_ms;
    let outcome = if r.request_type.is_add() {
        let policy = r
            .policy_id
            .as_ref()
            .and_then(|p| t.store.policies.iter().find(|x| &x.meta.id == p))
            .cloned();
        let package = t
            .store
            .packages
            .iter()
            .find(|p| p.meta.id == r.access_package_id)
            .cloned();
        let target_ok = t.store.users.iter().any(|u| u.meta.id == r.target_id);
        match (policy, package, target_ok) {
            (Some(policy), Some(package), true) => {
                let a = Assignment {
                    meta: Meta {
                        id: t.new_id(),
                        created_ms: at,
                        seeded: false,
                    },
                    access_package_id: package.meta.id.clone(),
                    policy_id: policy.meta.id.clone(),
                    target_id: r.target_id.clone(),
                    catalog_id: package.catalog_id.clone(),
                    state: AssignmentState::Delivered,
                    end_ms: end_of(&policy, at),
                };
                let id = a.meta.id.clone();
                t.store.assignments.push(a);
                grant(&mut t.store, &package.meta.id, &r.target_id);
                Some(id)
            }
            _ => None,
        }
    } else {
        let aid = r.assignment_id.clone().unwrap_or_default();
        match t.store.assignments.iter().position(|a| a.meta.id == aid) {
            Some(pos) => {
                let a = t.store.assignments.remove(pos);
                let pairs = grants(&t.store, &a.access_package_id);
                revoke_pairs(&mut t.store, &pairs, &a.target_id);
                Some(aid)
            }
            // An earlier removal of the same assignment took it away: this one has nothing left to do.
            None if t.store.requests.iter().any(|x| {
                !x.request_type.is_add()
                    && x.assignment_id.as_deref() == Some(aid.as_str())
                    && x.state == RequestState::Delivered
            }) =>
            {
                Some(aid)
            }
            None => None,
        }
    };
    let req = &mut t.store.requests[i];
    req.completed_ms = Some(at);
    match outcome {
        Some(aid) => {
            req.state = RequestState::Delivered;
            req.assignment_id = Some(aid);
        }
        None => req.state = RequestState::DeliveryFailed,
    }
}
