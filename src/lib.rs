pub mod fusionauth;
