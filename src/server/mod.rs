//! The HTTP service and the review page. (Being built; see issue 7.)
